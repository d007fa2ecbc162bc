#include "CVDraw.h"
#include <opencv2/imgproc.hpp>
#include <cstring>
#include <exception>

namespace {
void fail(const std::exception &e, char *err, size_t errlen) {
    if (err && errlen > 0) { std::strncpy(err, e.what(), errlen - 1); err[errlen - 1] = 0; }
}
}

extern "C" int vps_draw_line(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    try {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::line(m, {x0, y0}, {x1, y1}, cv::Scalar(r, g, b), thickness, cv::LINE_AA);
        return 0;
    } catch (const std::exception &e) { fail(e, err, errlen); return 1; }
}

extern "C" int vps_draw_rect(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    try {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::rectangle(m, cv::Point(x0, y0), cv::Point(x1, y1), cv::Scalar(r, g, b), thickness, cv::LINE_8);
        return 0;
    } catch (const std::exception &e) { fail(e, err, errlen); return 1; }
}

extern "C" int vps_draw_text(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    try {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::putText(m, text, {x, y}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(r, g, b), thickness, cv::LINE_AA);
        return 0;
    } catch (const std::exception &e) { fail(e, err, errlen); return 1; }
}
