/* Compiles the C host's host/obfuscate/sqllexer.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/sqllexer.c"
