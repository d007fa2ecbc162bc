#include "CVBridge.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <algorithm>
#include "Guarded.hpp"

#include <stdexcept>

using vps::guarded;

struct vps_flow_estimator {
    int method;
    cv::Ptr<cv::DISOpticalFlow> dis;
};

extern "C" vps_flow_estimator *vps_flow_create(int method, int preset, char *err, size_t errlen) {
    vps_flow_estimator *est = nullptr;
    int rc = guarded(err, errlen, [&] {
        est = new vps_flow_estimator();
        est->method = method;
        if (method == VPS_FLOW_DIS) {
            int p = preset == VPS_DIS_ULTRAFAST ? cv::DISOpticalFlow::PRESET_ULTRAFAST
                  : preset == VPS_DIS_MEDIUM    ? cv::DISOpticalFlow::PRESET_MEDIUM
                                                : cv::DISOpticalFlow::PRESET_FAST;
            est->dis = cv::DISOpticalFlow::create(p);
        } else if (method != VPS_FLOW_FARNEBACK) {
            throw std::runtime_error("unknown optical-flow method");
        }
    });
    if (rc != 0) {
        delete est;
        return nullptr;
    }
    return est;
}

extern "C" void vps_flow_destroy(vps_flow_estimator *est) { delete est; }

extern "C" int vps_flow_calc(vps_flow_estimator *est, const uint8_t *from, const uint8_t *to,
                             int w, int h, float *flow, char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat a(h, w, CV_8UC1, const_cast<uint8_t *>(from));
        cv::Mat b(h, w, CV_8UC1, const_cast<uint8_t *>(to));
        cv::Mat out(h, w, CV_32FC2, flow);
        if (est->method == VPS_FLOW_DIS) {
            est->dis->calc(a, b, out);
        } else {
            cv::calcOpticalFlowFarneback(a, b, out, 0.5, 5, 15, 3, 5, 1.2, 0);
        }
        if (out.data != reinterpret_cast<uchar *>(flow)) throw std::runtime_error("flow buffer was reallocated");
    });
}

extern "C" int vps_rgb_to_gray(const uint8_t *rgb, int w, int h, uint8_t *gray, int ow, int oh,
                               char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat src(h, w, CV_8UC3, const_cast<uint8_t *>(rgb));
        cv::Mat dst(oh, ow, CV_8UC1, gray);
        if (ow == w && oh == h) {
            cv::cvtColor(src, dst, cv::COLOR_RGB2GRAY);
        } else {
            cv::Mat g;
            cv::cvtColor(src, g, cv::COLOR_RGB2GRAY);
            cv::resize(g, dst, cv::Size(ow, oh), 0, 0, ow < w ? cv::INTER_AREA : cv::INTER_LINEAR);
        }
        if (dst.data != gray) throw std::runtime_error("gray buffer was reallocated");
    });
}

extern "C" int vps_remap_rgb(const uint8_t *src, int w, int h, const float *flow, uint8_t *dst,
                             char *err, size_t errlen) {
    return guarded(err, errlen, [&] {
        cv::Mat s(h, w, CV_8UC3, const_cast<uint8_t *>(src));
        cv::Mat f(h, w, CV_32FC2, const_cast<float *>(flow));
        cv::Mat map(h, w, CV_32FC2);
        for (int y = 0; y < h; ++y) {
            const cv::Vec2f *fr = f.ptr<cv::Vec2f>(y);
            cv::Vec2f *mr = map.ptr<cv::Vec2f>(y);
            for (int x = 0; x < w; ++x) mr[x] = cv::Vec2f(x + fr[x][0], y + fr[x][1]);
        }
        cv::Mat d(h, w, CV_8UC3, dst);
        cv::remap(s, d, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        if (d.data != dst) throw std::runtime_error("output buffer was reallocated");
    });
}

extern "C" void vps_cv_set_threads(int n) { cv::setNumThreads(n <= 0 ? -1 : n); }

extern "C" int vps_cv_get_threads(void) { return cv::getNumThreads(); }

