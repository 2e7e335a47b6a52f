/* The agent's version, as metadata.json and the snapshot's comment give it (tests and
 * scripts read it from this line). */
#ifndef JVMSNAP_VERSION_H
#define JVMSNAP_VERSION_H

#define JVMSNAP_VERSION "0.1.0"

#endif
