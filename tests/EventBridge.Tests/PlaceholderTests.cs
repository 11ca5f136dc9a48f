namespace EventBridge.Tests;

public class ProjectTests
{
    [Fact]
    public void Project_Builds() => Assert.True(true);
}
