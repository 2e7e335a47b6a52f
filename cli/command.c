/* The frame every single-input command shares: options, then its one input; at the end
 * the output written and everything released. Each command keeps only its own work. */
#include "cli.h"

int cli_command_begin(const cli_command *cmd, int argc, char **argv, void *own, unsigned want, cli_args *a,
                      cli_input *in)
{
	int rc = cli_args_parse(cmd, argc, argv, own, a);
	if (rc >= 0)
		return rc;
	/* A profile is opened with the --thread filter checked against its threads. */
	if (want == CLI_WANT_PROFILE)
		rc = cli_open_profile(a->files[0], &a->thread, in);
	else if ((rc = cli_input_open(a->files[0], want, in)) != 0)
		cli_input_close(in);
	if (rc) {
		cli_args_free(a);
		return rc;
	}
	return -1;
}

int cli_command_end(int rc, buf *out, cli_input *in, cli_args *a)
{
	if (out) {
		if (rc == CLI_EXIT_OK && out->failed) {
			fprintf(stderr, "jvmsnap: error: out of memory\n");
			rc = CLI_EXIT_FAIL;
		} else if (rc == CLI_EXIT_OK && cli_write_output(a->output, out)) {
			rc = CLI_EXIT_FAIL;
		}
		buf_free(out);
	}
	cli_input_close(in);
	cli_args_free(a);
	return rc;
}
