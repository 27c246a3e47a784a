/* Compiles the C host's host/obfuscate/sqllexer_obfuscate.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/sqllexer_obfuscate.c"
