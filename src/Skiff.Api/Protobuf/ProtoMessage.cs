namespace Skiff.Api.Protobuf;

/// <summary>One message schema: its fields in declaration order (which is Go struct order, so JSON keeps Go's key order).</summary>
internal sealed class ProtoMessage
{
    // Kubernetes field numbers are small (the largest is PodSpec's 40), so an array indexed by
    // number is the fastest lookup and costs a few bytes per message.
    private readonly sbyte[] _indexByNumber;

    public ProtoMessage(string name, ProtoMessageKind kind, ProtoField[] fields)
    {
        Name = name;
        Kind = kind;
        Fields = fields;
        var max = fields.Length == 0 ? 0 : fields.Max(f => f.Number);
        if (fields.Length > sbyte.MaxValue || max > 4096)
        {
            throw new InvalidOperationException($"protobuf schema {name}: field numbers too large for the lookup table");
        }

        _indexByNumber = new sbyte[max + 1];
        Array.Fill(_indexByNumber, (sbyte)-1);
        for (var i = 0; i < fields.Length; i++)
        {
            _indexByNumber[fields[i].Number] = (sbyte)i;
        }
    }

    public string Name { get; }

    public ProtoMessageKind Kind { get; }

    public ProtoField[] Fields { get; }

    /// <summary>The index into <see cref="Fields"/> of a field number, or -1 for a number this schema does not know.</summary>
    public int IndexOf(int number) => (uint)number < (uint)_indexByNumber.Length ? _indexByNumber[number] : -1;
}
