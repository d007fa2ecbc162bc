#ifndef VPS_CVBRIDGE_H
#define VPS_CVBRIDGE_H
/* A small C API over the parts of OpenCV that vps uses. Every function
   catches C++ exceptions and reports failure as a nonzero return with a
   message in `err` (NUL-terminated, truncated to `errlen`). Buffers are
   caller-owned, row-major and unpadded. */
#include <stdint.h>
#include <stddef.h>
#include "CVDraw.h" /* drawing (charts, overlays) */

#ifdef __cplusplus
extern "C" {
#endif

/* Optical-flow methods and DIS presets. */
typedef enum { VPS_FLOW_DIS = 0, VPS_FLOW_FARNEBACK = 1 } vps_flow_method;
typedef enum { VPS_DIS_ULTRAFAST = 0, VPS_DIS_FAST = 1, VPS_DIS_MEDIUM = 2 } vps_dis_preset;

typedef struct vps_flow_estimator vps_flow_estimator;

/* Creates an estimator; NULL on failure. */
vps_flow_estimator *vps_flow_create(int method, int preset, char *err, size_t errlen);
void vps_flow_destroy(vps_flow_estimator *est);

/* Dense flow from `from` to `to` (8-bit gray, w×h): from(y,x) ≈ to(y + f.y, x + f.x).
   `flow` receives w*h*2 floats, (dx, dy) interleaved. Returns 0 on success. */
int vps_flow_calc(vps_flow_estimator *est, const uint8_t *from, const uint8_t *to,
                  int w, int h, float *flow, char *err, size_t errlen);

/* RGB24 (w×h) to 8-bit gray of size ow×oh (area-averaged when smaller). */
int vps_rgb_to_gray(const uint8_t *rgb, int w, int h, uint8_t *gray, int ow, int oh,
                    char *err, size_t errlen);

/* Warps an RGB24 image: dst(p) = src(p + flow(p)), bilinear, border replicated. */
int vps_remap_rgb(const uint8_t *src, int w, int h, const float *flow, uint8_t *dst,
                  char *err, size_t errlen);


/* Sets OpenCV's worker thread count (0 = OpenCV's default). */
void vps_cv_set_threads(int n);
/** OpenCV's current number of worker threads. */
int vps_cv_get_threads(void);

#ifdef __cplusplus
}
#endif
#endif
