/* Compiles the C host's host/obfuscate/json_scan.c into this package (see obfuscate.go). */
#include "../../../host/obfuscate/json_scan.c"
