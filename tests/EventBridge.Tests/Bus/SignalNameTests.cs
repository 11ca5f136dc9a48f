namespace EventBridge.Tests.Bus;

/// <summary>
/// Tests of the signal name rules at the edges of printable ASCII, where the check takes a faster path, and beyond it,
/// where every Unicode whitespace or control character makes a name invalid.
/// </summary>
public sealed class SignalNameTests
{
    [Theory]
    [InlineData("\u007F")]
    [InlineData("del\u007Fete")]
    [InlineData("no\u00A0break")]
    [InlineData("next\u0085line")]
    [InlineData("line\u2028separator")]
    [InlineData("ideographic\u3000space")]
    [InlineData("tab\tbed")]
    [InlineData("nul\0l")]
    [InlineData(" leading")]
    [InlineData("trailing ")]
    public void Emit_WhitespaceOrControlCharacter_Throws(string signal)
    {
        var bus = new EventBus();

        var error = Assert.Throws<ArgumentException>(() => bus.Emit(signal, 1));

        Assert.Contains("whitespace or control characters", error.Message, StringComparison.Ordinal);
        Assert.Equal("signal", error.ParamName);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("~")]
    [InlineData("!\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~")]
    [InlineData("bestellung.aufgegeben.über")]
    [InlineData("注文")]
    [InlineData("smile\U0001F600")]
    public void Emit_PrintableName_IsAccepted(string signal)
    {
        var bus = new EventBus();
        var received = new List<string>();
        bus.AddConsumer(Consumers.Sync(signal, context => received.Add(context.Signal)));

        bus.Emit(signal, 1);
        bus.CreateSignal<int>(signal).Emit(2);

        Assert.Equal([signal, signal], received);
    }

    [Fact]
    public void Emit_MaximumLength_AcceptedOneMoreThrows()
    {
        var bus = new EventBus();

        bus.Emit(new string('a', 256), 1);
        var error = Assert.Throws<ArgumentException>(() => bus.Emit(new string('a', 257), 1));

        Assert.Contains("at most 256 characters", error.Message, StringComparison.Ordinal);
    }
}
