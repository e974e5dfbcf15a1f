namespace Skiff.ApiServer.Streaming;

/// <summary>The streams of an exec or attach session.</summary>
internal sealed record RemoteCommandStreams(bool Stdin, bool Stdout, bool Stderr, bool Tty);
