using System.Runtime.Versioning;

// The node agent runs containers through containerd, runc and CNI: Linux only.
[assembly: SupportedOSPlatform("linux")]
