#ifndef VPS_CFFMPEG_SHIM_H
#define VPS_CFFMPEG_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/dict.h>

/* Function-like macros do not import into Swift; these wrap them. */
static inline int vps_averror(int e) { return AVERROR(e); }
static inline int vps_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t vps_nopts_value(void) { return AV_NOPTS_VALUE; }

/* AVFrame.data / linesize import as 8-tuples; these index them. */
static inline uint8_t *vps_frame_plane(const AVFrame *f, int i) { return f->data[i]; }
static inline int vps_frame_linesize(const AVFrame *f, int i) { return f->linesize[i]; }

/* Rotation in degrees (counter-clockwise, as ffprobe reports it) from a
   stream's display matrix side data, or 0 when there is none. */
static inline double vps_stream_rotation(const AVStream *st) {
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m) return 0;
    double r = av_display_rotation_get((const int32_t *)m);
    return r != r ? 0 : r; /* NaN guard */
}

#ifdef __cplusplus
}
#endif

#endif
