namespace Skiff.Api.Selectors;

/// <summary>A cursor over selector text: identifiers end at whitespace or one of <c>,()=!&lt;&gt;</c>.</summary>
internal sealed class SelectorLexer(string text)
{
    private int _pos;

    public bool AtEnd => _pos >= text.Length;

    public char Peek => text[_pos];

    public string Rest => text[_pos..];

    public void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
        {
            _pos++;
        }
    }

    public bool TryConsume(char c)
    {
        if (_pos < text.Length && text[_pos] == c)
        {
            _pos++;
            return true;
        }

        return false;
    }

    public bool TryConsume(string s)
    {
        if (string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0)
        {
            _pos += s.Length;
            return true;
        }

        return false;
    }

    public string ReadIdentifier(bool allowEmpty = false)
    {
        SkipSpace();
        var start = _pos;
        while (_pos < text.Length && !char.IsWhiteSpace(text[_pos]) && ",()=!<>".IndexOf(text[_pos]) < 0)
        {
            _pos++;
        }

        if (_pos == start && !allowEmpty)
        {
            throw new SelectorParseException(AtEnd
                ? "unable to parse requirement: found '', expected: identifier"
                : $"unable to parse requirement: found '{Rest}', expected: identifier");
        }

        return text[start.._pos];
    }
}
