/** Prints the same lines on every run, works for a moment and exits with a chosen code
 *  (default 7), so a test can compare its stdout and exit code with and without the agent. */
public class StableOutput {
    static volatile long sink;

    public static void main(String[] args) {
        int code = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        long runMs = args.length > 1 ? Long.parseLong(args[1]) : 300;
        System.out.println("stable output: line 1");
        long end = System.nanoTime() + runMs * 1_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x += i ^ (x << 1);
            }
        }
        sink = x;
        System.out.println("stable output: line 2, exit " + code);
        System.exit(code);
    }
}
