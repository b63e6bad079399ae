// The OpenBLAS C boundary: cblas_* plus the openblas_* controls (thread count, kernel name).
#include <cblas.h>
