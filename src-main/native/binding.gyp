{
  "targets": [
    {
      "target_name": "sockscope_engine",
      "sources": [
        "src/addon.cc",
        "src/backend_choice.cc",
        "src/blocking_wakers.cc",
        "src/backend_epoll.cc",
        "src/completion_queue.cc",
        "src/capture_ring.cc",
        "src/chat_room.cc",
        "src/chat_workloads.cc",
        "src/connection.cc",
        "src/descriptor_limit.cc",
        "src/engine.cc",
        "src/endpoint_runtime.cc",
        "src/errors.cc",
        "src/framed_workloads.cc",
        "src/framing.cc",
        "src/listener_restart.cc",
        "src/model_blocking.cc",
        "src/model_completion_port.cc",
        "src/model_epoll.cc",
        "src/model_overlapped.cc",
        "src/model_select.cc",
        "src/net_address.cc",
        "src/proactor.cc",
        "src/process_figures.cc",
        "src/delay_line.cc",
        "src/proxy_faults.cc",
        "src/proxy_link.cc",
        "src/reactor.cc",
        "src/read_buffer_pool.cc",
        "src/send_queue.cc",
        "src/sockets.cc",
        "src/socket_options.cc",
        "src/tcp_diag.cc",
        "src/tcp_sampling.cc",
        "src/workload.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["src/model_epoll.cc"] }],
        ["'<!(pkg-config --exists liburing && echo 1 || echo 0)'=='1'", {
          "sources": ["src/backend_uring.cc"],
          "cflags_cc": ["<!@(pkg-config --cflags liburing)"],
          "libraries": ["<!@(pkg-config --libs liburing)"]
        }, {
          "sources": ["src/backend_uring_absent.cc"]
        }],
        ["'<!(echo $SOCKSCOPE_SANITIZE)'=='1'", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
        }],
        ["'<!(echo $SOCKSCOPE_SANITIZE)'=='thread'", {
          "cflags_cc": ["-fsanitize=thread", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=thread"]
        }]
      ]
    }
  ]
}
