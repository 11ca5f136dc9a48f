global using EventBridge;
global using EventBridge.Serialization;
global using Xunit;
