using System;
using System.Text;

namespace EventBridge.Generators.Emitter;

/// <summary>Builds C# source line by line with four-space indentation and LF line endings.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();

    public int Indentation { get; set; }

    /// <summary>Writes each line of <paramref name="text"/> at the current indentation; blank lines stay empty.</summary>
    public SourceWriter WriteLine(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length > 0)
            {
                _builder.Append(' ', Indentation * 4).Append(trimmed);
            }

            _builder.Append('\n');
        }

        return this;
    }

    public SourceWriter WriteLine()
    {
        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes an opening brace and indents until the returned scope is disposed.</summary>
    public Block OpenBlock(string? header = null)
    {
        if (header is not null)
        {
            WriteLine(header);
        }

        WriteLine("{");
        Indentation++;
        return new Block(this, "}");
    }

    /// <summary>Indents until the returned scope is disposed, then writes <paramref name="closing"/> unless it is null.</summary>
    public Block Indent(string? closing)
    {
        Indentation++;
        return new Block(this, closing);
    }

    public override string ToString() => _builder.ToString();

    public readonly struct Block : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string? _closing;

        public Block(SourceWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer.Indentation--;
            if (_closing is not null)
            {
                _writer.WriteLine(_closing);
            }
        }
    }
}
