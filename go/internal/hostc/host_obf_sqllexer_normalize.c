/* Compiles the C host's host/obfuscate/sqllexer_normalize.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/sqllexer_normalize.c"
