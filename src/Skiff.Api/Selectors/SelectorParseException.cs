namespace Skiff.Api.Selectors;

/// <summary>A label or field selector that cannot be parsed; the message is shown to the client (400).</summary>
public sealed class SelectorParseException(string message) : Exception(message);
