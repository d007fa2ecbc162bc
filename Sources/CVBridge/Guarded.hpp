// Internal to CVBridge: runs C++ code behind the extern "C" API, turning any
// exception into a nonzero return and a NUL-terminated message in `err`.
#pragma once
#include <opencv2/core.hpp>
#include <cstring>
#include <exception>

namespace vps {
inline void setError(char *err, size_t errlen, const char *msg) {
    if (!err || errlen == 0) return;
    std::strncpy(err, msg, errlen - 1);
    err[errlen - 1] = 0;
}

template <typename F> int guarded(char *err, size_t errlen, F &&body) {
    try {
        body();
        return 0;
    } catch (const cv::Exception &e) {
        setError(err, errlen, e.what());
    } catch (const std::exception &e) {
        setError(err, errlen, e.what());
    } catch (...) {
        setError(err, errlen, "unknown C++ exception");
    }
    return 1;
}
} // namespace vps
