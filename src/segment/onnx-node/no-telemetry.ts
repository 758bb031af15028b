/*
 * onnxruntime-node's Linux build starts Microsoft's 1DS telemetry when the library loads: it writes an
 * empty mat-debug-<pid>.log and a .ses file into the temp directory, a device id and an offline event
 * database under ~/.cache/Microsoft, and tries to upload events. The library reads this variable at
 * load, so this module is imported before 'onnxruntime-node' (a user's own setting is kept).
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
