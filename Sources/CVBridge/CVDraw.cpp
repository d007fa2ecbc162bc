#include "CVDraw.h"
#include "Guarded.hpp"
#include <opencv2/imgproc.hpp>
#include <algorithm>
#include <stdexcept>

using vps::guarded;

extern "C" int vps_draw_line(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::line(m, {x0, y0}, {x1, y1}, cv::Scalar(r, g, b), thickness, cv::LINE_AA);
    });
}

extern "C" int vps_draw_rect(uint8_t *rgb, int w, int h, int x0, int y0, int x1, int y1,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::rectangle(m, cv::Point(x0, y0), cv::Point(x1, y1), cv::Scalar(r, g, b), thickness, cv::LINE_8);
    });
}

extern "C" int vps_draw_text(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                             int r, int g, int b, int thickness, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat m(h, w, CV_8UC3, rgb);
        cv::putText(m, text, {x, y}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(r, g, b), thickness, cv::LINE_AA);
    });
}

extern "C" int vps_draw_label(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                              uint8_t r, uint8_t g, uint8_t b, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat img(h, w, CV_8UC3, rgb);
        int baseline = 0;
        const int font = cv::FONT_HERSHEY_SIMPLEX;
        cv::Size size = cv::getTextSize(text, font, scale, 1, &baseline);
        int top = std::max(0, y - size.height - baseline - 2);
        cv::rectangle(img, cv::Point(x, top), cv::Point(x + size.width + 2, top + size.height + baseline + 2),
                      cv::Scalar(r, g, b), cv::FILLED);
        cv::putText(img, text, cv::Point(x + 1, top + size.height + 1), font, scale, cv::Scalar(255, 255, 255), 1,
                    cv::LINE_AA);
        if (img.data != rgb) throw std::runtime_error("output buffer was reallocated");
    });
}

extern "C" int vps_draw_label_colours(uint8_t *rgb, int w, int h, const char *text, int x, int y, double scale,
                                      uint8_t r, uint8_t g, uint8_t b, uint8_t tr, uint8_t tg, uint8_t tb,
                                      int *box, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat img(h, w, CV_8UC3, rgb);
        int baseline = 0;
        const int font = cv::FONT_HERSHEY_SIMPLEX;
        cv::Size size = cv::getTextSize(text, font, scale, 1, &baseline);
        const int bw = size.width + 2, bh = size.height + baseline + 2;
        int x0 = std::max(0, std::min(x, w - 1 - bw));
        int y0 = std::max(0, std::min(y - bh, h - 1 - bh));
        cv::rectangle(img, cv::Point(x0, y0), cv::Point(x0 + bw, y0 + bh), cv::Scalar(r, g, b), cv::FILLED);
        cv::putText(img, text, cv::Point(x0 + 1, y0 + size.height + 1), font, scale, cv::Scalar(tr, tg, tb), 1,
                    cv::LINE_AA);
        if (img.data != rgb) throw std::runtime_error("output buffer was reallocated");
        if (box) {
            box[0] = x0;
            box[1] = y0;
            box[2] = std::min(x0 + bw, w - 1);
            box[3] = std::min(y0 + bh, h - 1);
        }
    });
}
