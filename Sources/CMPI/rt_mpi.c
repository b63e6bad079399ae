// Open MPI through dlopen (see rt_mpi.h). Handles follow Open MPI's ABI (4.x, libmpi.so.40): a
// predefined handle such as MPI_COMM_WORLD is the address of the global `ompi_mpi_comm_world`, and
// MPI_IN_PLACE is (void *)1 (Open MPI's mpi.h).
#include "rt_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>

typedef void *Handle;  // MPI_Comm, MPI_Datatype, MPI_Op: pointers to library structs

static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_finalize)(void);
static int (*p_comm_rank)(Handle, int *);
static int (*p_comm_size)(Handle, int *);
static int (*p_barrier)(Handle);
static int (*p_abort)(Handle, int);
static int (*p_allreduce)(const void *, void *, int, Handle, Handle, Handle);
static int (*p_bcast)(void *, int, Handle, int, Handle);
static int (*p_allgatherv)(const void *, int, Handle, void *, const int *, const int *, Handle, Handle);
static Handle comm_world, type_float, type_double, type_int64, type_byte, op_sum, op_max;

#define IN_PLACE ((void *)1)
#define THREAD_SERIALIZED 2

static void *resolve(void *lib, const char *name, char *error, size_t error_len, int *failed) {
    void *p = dlsym(lib, name);
    if (!p && !*failed) {
        snprintf(error, error_len, "libmpi.so.40 has no symbol %s (is it Open MPI 4.x?)", name);
        *failed = 1;
    }
    return p;
}

int rt_mpi_open(char *error, size_t error_len) {
    // RTLD_GLOBAL: Open MPI's own plugins, which it dlopens, resolve libmpi's symbols globally.
    void *lib = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(error, error_len, "cannot load Open MPI (libmpi.so.40): %s", dlerror());
        return -1;
    }
    int failed = 0;
    p_init_thread = resolve(lib, "MPI_Init_thread", error, error_len, &failed);
    p_finalize = resolve(lib, "MPI_Finalize", error, error_len, &failed);
    p_comm_rank = resolve(lib, "MPI_Comm_rank", error, error_len, &failed);
    p_comm_size = resolve(lib, "MPI_Comm_size", error, error_len, &failed);
    p_barrier = resolve(lib, "MPI_Barrier", error, error_len, &failed);
    p_abort = resolve(lib, "MPI_Abort", error, error_len, &failed);
    p_allreduce = resolve(lib, "MPI_Allreduce", error, error_len, &failed);
    p_bcast = resolve(lib, "MPI_Bcast", error, error_len, &failed);
    p_allgatherv = resolve(lib, "MPI_Allgatherv", error, error_len, &failed);
    comm_world = resolve(lib, "ompi_mpi_comm_world", error, error_len, &failed);
    type_float = resolve(lib, "ompi_mpi_float", error, error_len, &failed);
    type_double = resolve(lib, "ompi_mpi_double", error, error_len, &failed);
    type_int64 = resolve(lib, "ompi_mpi_int64_t", error, error_len, &failed);
    type_byte = resolve(lib, "ompi_mpi_byte", error, error_len, &failed);
    op_sum = resolve(lib, "ompi_mpi_op_sum", error, error_len, &failed);
    op_max = resolve(lib, "ompi_mpi_op_max", error, error_len, &failed);
    return failed ? -1 : 0;
}

int rt_mpi_init(int *provided) { return p_init_thread(NULL, NULL, THREAD_SERIALIZED, provided); }
int rt_mpi_finalize(void) { return p_finalize(); }
int rt_mpi_rank(int *rank) { return p_comm_rank(comm_world, rank); }
int rt_mpi_size(int *size) { return p_comm_size(comm_world, size); }
int rt_mpi_barrier(void) { return p_barrier(comm_world); }
void rt_mpi_abort(int code) { p_abort(comm_world, code); }

static int allreduce(void *values, long count, size_t size, Handle type, Handle op) {
    char *p = values;
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        int rc = p_allreduce(IN_PLACE, p, n, type, op, comm_world);
        if (rc != 0) return rc;
        p += (size_t)n * size;
        count -= n;
    }
    return 0;
}

int rt_mpi_allreduce_sum_f32(float *v, long n) { return allreduce(v, n, sizeof(float), type_float, op_sum); }
int rt_mpi_allreduce_sum_f64(double *v, long n) { return allreduce(v, n, sizeof(double), type_double, op_sum); }
int rt_mpi_allreduce_sum_i64(long long *v, long n) { return allreduce(v, n, sizeof(long long), type_int64, op_sum); }
int rt_mpi_allreduce_max_f64(double *v, long n) { return allreduce(v, n, sizeof(double), type_double, op_max); }

int rt_mpi_bcast_bytes(void *bytes, long count, int root) {
    char *p = bytes;
    while (count > 0) {
        int n = count > INT_MAX ? INT_MAX : (int)count;
        int rc = p_bcast(p, n, type_byte, root, comm_world);
        if (rc != 0) return rc;
        p += n;
        count -= n;
    }
    return 0;
}

int rt_mpi_allgatherv_bytes(const void *bytes, long count, void *out, const long *counts, int ranks) {
    int icounts[ranks], displs[ranks];
    long offset = 0;
    for (int r = 0; r < ranks; r++) {
        icounts[r] = (int)counts[r];
        displs[r] = (int)offset;
        offset += counts[r];
    }
    return p_allgatherv(count > 0 ? bytes : out, (int)count, type_byte, out, icounts, displs, type_byte, comm_world);
}
