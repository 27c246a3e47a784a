/* Compiles the C host's host/obfuscate/sql_tokenizer.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/sql_tokenizer.c"
