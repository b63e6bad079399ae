// Open MPI, loaded at run time: the process links nothing of MPI, and `rt_mpi_open` dlopens
// `libmpi.so.40` only when the launcher asked for it (docs/distributed.md). Every call returns 0 on
// success or an MPI error code; with Open MPI's default error handler (MPI_ERRORS_ARE_FATAL) a
// failed collective aborts the whole job instead of returning, so no rank waits forever.
#ifndef RT_MPI_H
#define RT_MPI_H

#include <stddef.h>

/// Loads the library and resolves every symbol used below. 0 on success; otherwise writes why into
/// `error` (NUL-terminated, at most `error_len` bytes) and returns -1.
int rt_mpi_open(char *error, size_t error_len);

/// MPI_Init_thread(MPI_THREAD_SERIALIZED). `provided` receives the level the library grants.
int rt_mpi_init(int *provided);
int rt_mpi_finalize(void);
int rt_mpi_rank(int *rank);
int rt_mpi_size(int *size);
int rt_mpi_barrier(void);
/// Ends every rank of the job with `code` (MPI_Abort on MPI_COMM_WORLD); does not return.
void rt_mpi_abort(int code);

/// In-place sums over all ranks, `count` elements (split into calls of at most INT_MAX elements).
int rt_mpi_allreduce_sum_f32(float *values, long count);
int rt_mpi_allreduce_sum_f64(double *values, long count);
int rt_mpi_allreduce_sum_i64(long long *values, long count);
int rt_mpi_allreduce_max_f64(double *values, long count);

/// `count` bytes from `root` to every rank (in chunks of at most INT_MAX bytes).
int rt_mpi_bcast_bytes(void *bytes, long count, int root);
/// Every rank's `count` bytes, concatenated in rank order into `out` on every rank; `counts[r]` is
/// rank r's count (every rank passes the same `counts`, whose sum fits `out`, each below INT_MAX and
/// the displacements too: the caller checks).
int rt_mpi_allgatherv_bytes(const void *bytes, long count, void *out, const long *counts, int ranks);

#endif
