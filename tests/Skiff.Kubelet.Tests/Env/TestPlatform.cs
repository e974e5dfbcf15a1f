using System.Runtime.Versioning;

// The node agent is Linux-only (its assembly says so once the kubelet core lands); so are these tests: they mount
// tmpfs, call libc and read /proc.
[assembly: SupportedOSPlatform("linux")]
