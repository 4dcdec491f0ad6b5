using System.Globalization;

namespace PhalaWorker.Chain.Primitives.Abi;

/// <summary>Recursive-descent parser for ABI types and human-readable signatures.</summary>
internal ref struct AbiSignatureParser(ReadOnlySpan<char> text)
{
    private readonly ReadOnlySpan<char> _text = text;
    private int _position;

    public AbiType ParseType()
    {
        SkipSpaces();
        AbiType type;
        if (Peek() == '(' || StartsWithWord("tuple("))
        {
            if (Peek() == 't')
            {
                _position += 5;
            }

            type = AbiType.Tuple(ParseParameterList(allowIndexed: false));
        }
        else
        {
            var start = _position;
            while (_position < _text.Length && char.IsAsciiLetterOrDigit(_text[_position]))
            {
                _position++;
            }

            if (start == _position)
            {
                throw Error("expected a type");
            }

            type = AbiType.FromElementary(_text[start.._position].ToString());
        }

        while (Peek() == '[')
        {
            _position++;
            var start = _position;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }

            var digits = _text[start.._position];
            Expect(']');
            if (digits.IsEmpty)
            {
                type = AbiType.ArrayOf(type);
            }
            else if (digits[0] != '0' && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                type = AbiType.FixedArrayOf(type, length);
            }
            else
            {
                throw Error("bad fixed array length");
            }
        }

        return type;
    }

    public List<AbiParameter> ParseParameterList(bool allowIndexed)
    {
        SkipSpaces();
        Expect('(');
        var parameters = new List<AbiParameter>();
        SkipSpaces();
        if (Peek() == ')')
        {
            _position++;
            return parameters;
        }

        while (true)
        {
            var type = ParseType();
            SkipSpaces();
            var indexed = false;
            var name = ReadIdentifier();
            if (name == "indexed")
            {
                if (!allowIndexed)
                {
                    throw Error("'indexed' outside an event");
                }

                indexed = true;
                SkipSpaces();
                name = ReadIdentifier();
            }

            parameters.Add(new AbiParameter(name, type, indexed));
            SkipSpaces();
            if (Peek() == ',')
            {
                _position++;
                continue;
            }

            Expect(')');
            return parameters;
        }
    }

    public string ReadIdentifier()
    {
        SkipSpaces();
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] is '_' or '$'))
        {
            _position++;
        }

        return _text[start.._position].ToString();
    }

    public bool TryReadKeyword(string keyword)
    {
        SkipSpaces();
        if (_text[_position..].StartsWith(keyword, StringComparison.Ordinal))
        {
            _position += keyword.Length;
            return true;
        }

        return false;
    }

    public void ExpectEnd()
    {
        SkipSpaces();
        if (_position != _text.Length)
        {
            throw Error("unexpected trailing text");
        }
    }

    private readonly bool StartsWithWord(string word) => _text[_position..].StartsWith(word, StringComparison.Ordinal);

    private readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void Expect(char c)
    {
        SkipSpaces();
        if (Peek() != c)
        {
            throw Error($"expected '{c}'");
        }

        _position++;
    }

    private void SkipSpaces()
    {
        while (_position < _text.Length && _text[_position] == ' ')
        {
            _position++;
        }
    }

    private readonly ChainException Error(string message) =>
        new(ChainErrorReason.InvalidAbi, $"Invalid ABI signature '{_text}' at {_position}: {message}.");
}
