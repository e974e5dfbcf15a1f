namespace Skiff.Api.Selectors;

/// <summary>
/// A parsed label selector in the string syntax of <c>?labelSelector=</c> and <c>kubectl -l</c>
/// (equality: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>; set: <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>;
/// and <c>a&gt;1</c>, <c>a&lt;1</c>), with apimachinery's matching rules. Immutable and thread-safe.
/// </summary>
public sealed class LabelSelector
{
    /// <summary>The selector that matches everything.</summary>
    public static readonly LabelSelector Everything = new([]);

    private LabelSelector(IReadOnlyList<Requirement> requirements) => Requirements = requirements;

    public IReadOnlyList<Requirement> Requirements { get; }

    public bool IsEverything => Requirements.Count == 0;

    /// <summary>Whether the labels satisfy every requirement (null labels = no labels).</summary>
    public bool Matches(IDictionary<string, string>? labels)
    {
        foreach (var r in Requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses selector text; throws <see cref="SelectorParseException"/> with apimachinery-like wording.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var reqs = new List<Requirement>();
        var p = new SelectorLexer(text);
        while (true)
        {
            p.SkipSpace();
            if (p.AtEnd)
            {
                break;
            }

            reqs.Add(ParseRequirement(p));
            p.SkipSpace();
            if (p.AtEnd)
            {
                break;
            }

            if (!p.TryConsume(','))
            {
                throw new SelectorParseException($"unable to parse requirement: found '{p.Rest}', expected: ','");
            }
        }

        return new LabelSelector(reqs);
    }

    private static Requirement ParseRequirement(SelectorLexer p)
    {
        if (p.TryConsume('!'))
        {
            var k = p.ReadIdentifier();
            ValidateKey(k);
            return new Requirement(k, SelectorOperator.DoesNotExist, []);
        }

        var key = p.ReadIdentifier();
        ValidateKey(key);
        p.SkipSpace();
        if (p.AtEnd || p.Peek == ',')
        {
            return new Requirement(key, SelectorOperator.Exists, []);
        }

        if (p.TryConsume("==") || p.TryConsume('='))
        {
            return new Requirement(key, SelectorOperator.Equals, [ReadValue(p)]);
        }

        if (p.TryConsume("!="))
        {
            return new Requirement(key, SelectorOperator.NotEquals, [ReadValue(p)]);
        }

        if (p.TryConsume('>'))
        {
            return new Requirement(key, SelectorOperator.GreaterThan, [ReadInteger(p)]);
        }

        if (p.TryConsume('<'))
        {
            return new Requirement(key, SelectorOperator.LessThan, [ReadInteger(p)]);
        }

        var word = p.ReadIdentifier();
        var op = word switch
        {
            "in" => SelectorOperator.In,
            "notin" => SelectorOperator.NotIn,
            _ => throw new SelectorParseException($"unable to parse requirement: found '{word}', expected: in, notin, =, ==, !=, gt, lt"),
        };
        p.SkipSpace();
        if (!p.TryConsume('('))
        {
            throw new SelectorParseException($"unable to parse requirement: found '{p.Rest}', expected: '('");
        }

        var values = new List<string>();
        while (true)
        {
            p.SkipSpace();
            if (p.TryConsume(')'))
            {
                break;
            }

            var v = p.ReadIdentifier();
            ValidateValue(v);
            values.Add(v);
            p.SkipSpace();
            if (p.TryConsume(')'))
            {
                break;
            }

            if (!p.TryConsume(','))
            {
                throw new SelectorParseException($"unable to parse requirement: found '{p.Rest}', expected: ',', ')'");
            }
        }

        return new Requirement(key, op, values);
    }

    private static string ReadValue(SelectorLexer p)
    {
        p.SkipSpace();
        var v = p.ReadIdentifier(allowEmpty: true);
        ValidateValue(v);
        return v;
    }

    private static string ReadInteger(SelectorLexer p)
    {
        p.SkipSpace();
        var v = p.ReadIdentifier();
        if (!long.TryParse(v, out _))
        {
            throw new SelectorParseException($"for 'Gt', 'Lt' operators, the value must be an integer: '{v}'");
        }

        return v;
    }

    private static void ValidateKey(string key)
    {
        var errs = Validation.NameRules.QualifiedName(key);
        if (errs.Count > 0)
        {
            throw new SelectorParseException($"key: Invalid value: \"{key}\": {string.Join("; ", errs)}");
        }
    }

    private static void ValidateValue(string value)
    {
        var errs = Validation.NameRules.LabelValue(value);
        if (errs.Count > 0)
        {
            throw new SelectorParseException($"values[0]: Invalid value: \"{value}\": {string.Join("; ", errs)}");
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(",", Requirements);
}
