/* Compiles the C host's host/obfuscate/buf.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/buf.c"
