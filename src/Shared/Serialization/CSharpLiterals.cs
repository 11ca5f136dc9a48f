// Compiled into the generator and the analyzers.
using System;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBridge.CodeAnalysis;

/// <summary>Formats constant values, such as parameter defaults, as C# expressions.</summary>
internal static class CSharpLiterals
{
    /// <summary>
    /// Formats <paramref name="value"/>, a constant of <paramref name="type"/>, as a C# expression, or returns
    /// <see langword="null"/> when it has no literal form.
    /// </summary>
    public static string? Format(object? value, ITypeSymbol type, string typeFullName)
    {
        if (value is null)
        {
            return "default!";
        }

        var enumType = type as INamedTypeSymbol;
        if (enumType is { TypeKind: TypeKind.Enum })
        {
            return "(" + typeFullName + ")(" + FormatNumber(value) + ")";
        }

        if (enumType is { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T }
            && enumType.TypeArguments[0] is { TypeKind: TypeKind.Enum } underlyingEnum)
        {
            return "(" + underlyingEnum.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")(" + FormatNumber(value) + ")";
        }

        return value switch
        {
            string text => SymbolDisplay.FormatLiteral(text, quote: true),
            char character => SymbolDisplay.FormatLiteral(character, quote: true),
            bool flag => flag ? "true" : "false",
            _ => FormatNumber(value),
        };
    }

    private static string? FormatNumber(object value) => value switch
    {
        double d when double.IsNaN(d) => "double.NaN",
        double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
        double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
        float f when float.IsNaN(f) => "float.NaN",
        float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
        float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        ulong ul => ul.ToString(CultureInfo.InvariantCulture) + "UL",
        uint ui => ui.ToString(CultureInfo.InvariantCulture) + "U",
        int i => i.ToString(CultureInfo.InvariantCulture),
        short s => "(short)(" + s.ToString(CultureInfo.InvariantCulture) + ")",
        ushort us => "(ushort)" + us.ToString(CultureInfo.InvariantCulture),
        byte b => "(byte)" + b.ToString(CultureInfo.InvariantCulture),
        sbyte sb => "(sbyte)(" + sb.ToString(CultureInfo.InvariantCulture) + ")",
        _ => null,
    };
}
