using EventBridge;

namespace MyApp.System
{
    public sealed record Guid(string Value);

    public sealed record Event(Guid Id, global::System.DateTime At);
}

namespace MyApp
{
    public static class EventBridge
    {
        [global::EventBridge.Consumer("system_event")]
        public static void OnEvent(MyApp.System.Event e)
        {
        }
    }
}
