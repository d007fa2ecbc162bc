#ifndef VPS_CDNNL_SHIM_H
#define VPS_CDNNL_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

#include <oneapi/dnnl/dnnl.h>

/* OpenMP (libgomp), the runtime oneDNN runs its primitives on. Its thread
   count is read from OMP_NUM_THREADS once, when the library loads; later
   changes go through omp_set_num_threads. */
void omp_set_num_threads(int n);
int omp_get_max_threads(void);

/* Macros that do not import into Swift. */
static inline void *vps_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline int vps_dnnl_arg_src(void) { return DNNL_ARG_SRC; }
static inline int vps_dnnl_arg_dst(void) { return DNNL_ARG_DST; }
static inline int vps_dnnl_arg_weights(void) { return DNNL_ARG_WEIGHTS; }
static inline int vps_dnnl_arg_bias(void) { return DNNL_ARG_BIAS; }
static inline int vps_dnnl_arg_from(void) { return DNNL_ARG_FROM; }
static inline int vps_dnnl_arg_to(void) { return DNNL_ARG_TO; }
static inline int vps_dnnl_arg_scratchpad(void) { return DNNL_ARG_SCRATCHPAD; }
static inline int vps_dnnl_arg_workspace(void) { return DNNL_ARG_WORKSPACE; }

#ifdef __cplusplus
}
#endif

#endif
