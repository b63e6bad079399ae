// The zlib C boundary (gzip-compressed inputs such as the SQuAD explorer JSON files).
#include <zlib.h>
