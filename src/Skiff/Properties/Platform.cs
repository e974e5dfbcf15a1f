using System.Runtime.Versioning;

// Skiff runs containers through containerd and programs nftables: it is a Linux program, and it
// relies on Unix file modes to keep keys and tokens private.
[assembly: SupportedOSPlatform("linux")]
