using EventBridge;

namespace Geometry;

public struct Point
{
    public int X { get; set; }
    public int Y { get; set; }
}

public readonly record struct Size(double Width, double Height);

public record struct Area(Point Origin, Size Size);

public partial struct Canvas
{
    public int Draws { get; private set; }

    [Consumer("draw")]
    public void OnDraw(Area area) => Draws++;
}

public readonly partial record struct Ruler(int Length)
{
    [Consumer("measure")]
    private void OnMeasure(Point from, Point to)
    {
    }
}
