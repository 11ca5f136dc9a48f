using EventBridge;

namespace Quiet;

public static class Startup
{
    public static System.IDisposable Wire(EventBus bus) => bus.AddGeneratedConsumers();
}
