#ifndef VPS_CVDRAW_H
#define VPS_CVDRAW_H
/* Drawing on caller-owned RGB24 images (row-major, unpadded, origin top-left)
   with OpenCV's imgproc. Colours are (r, g, b). Every function catches C++
   exceptions and returns nonzero with a message in `err` on failure. */
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A line segment, anti-aliased, `thickness` pixels wide. */
int vps_draw_line(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                  int r, int g, int b, int thickness, char *err, size_t errlen);

/* An axis-aligned rectangle with corners (x0, y0) and (x1, y1) inclusive;
   `thickness` < 0 fills it. */
int vps_draw_rect(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                  int r, int g, int b, int thickness, char *err, size_t errlen);

/* Text in FONT_HERSHEY_SIMPLEX with its baseline's left end at (x, y). */
int vps_draw_text(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                  int r, int g, int b, int thickness, char *err, size_t errlen);

/* Draws `text` (ASCII) in white on a filled box of colour (r, g, b) whose
   bottom-left corner is at (x, y), clamped to the top edge; RGB24 in place. */
int vps_draw_label(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                   uint8_t r, uint8_t g, uint8_t b, char *err, size_t errlen);

/* A label kept inside the image: `text` (ASCII) in colour (tr, tg, tb) on a
   filled box of colour (r, g, b). The box's bottom-left corner goes at
   (x, y), then moves right/down/left as needed to stay in the image. When
   `box` is not NULL it receives the box drawn, {x0, y0, x1, y1} inclusive. */
int vps_draw_label_colours(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                           uint8_t r, uint8_t g, uint8_t b, uint8_t tr, uint8_t tg, uint8_t tb,
                           int *box, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
