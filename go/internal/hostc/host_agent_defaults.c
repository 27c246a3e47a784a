/* Compiles the C host's host/agent_defaults.c into this package, so that Go hosts answer
 * get_config with the very same Agent defaults. */
#include "../../../host/agent_defaults.c"
