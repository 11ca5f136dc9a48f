global using EventBridge.Analyzers.Tests.Infrastructure;
global using EventBridge.CodeAnalysis;
global using Xunit;
global using static EventBridge.Analyzers.Tests.Infrastructure.Verifier;
