/* Compiles the C host's host/value.c into this package, so that Go hosts parse
 * configurations and store the persistent cache with the very same code. */
#include "../../../host/value.c"
