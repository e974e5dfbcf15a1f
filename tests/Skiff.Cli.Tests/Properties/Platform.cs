using System.Runtime.Versioning;

// The code under test is Linux-only (Unix file modes); so are these tests.
[assembly: SupportedOSPlatform("linux")]
