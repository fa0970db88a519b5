{
  "targets": [
    {
      "target_name": "tunelab_lstm",
      "sources": ["src/addon.cc", "src/sgemm.cc", "src/vmath.cc", "src/lstm.cc", "src/ops.cc", "src/pool.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "cflags": ["-O3"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c++17"] }
    }
  ]
}
