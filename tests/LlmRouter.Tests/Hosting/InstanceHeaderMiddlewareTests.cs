using LlmRouter.Hosting;

namespace LlmRouter.Tests.Hosting;

public sealed class InstanceHeaderMiddlewareTests
{
    [Fact]
    public void Resolve_Configured_ReturnsItUnchanged()
        => Assert.Equal("gw-a", InstanceHeaderMiddleware.Resolve("gw-a", "host", 42));

    [Fact]
    public void Resolve_NotConfigured_IsMachineDashProcessId()
        => Assert.Equal("web-7.local-4242", InstanceHeaderMiddleware.Resolve(null, "web-7.local", 4242));

    [Fact]
    public void Resolve_MachineNameWithOtherCharacters_ReplacesThemAndStaysValid()
    {
        var name = InstanceHeaderMiddleware.Resolve("", "my host/ü", 1);

        Assert.Equal("my-host---1", name);
        Assert.True(InstanceHeaderMiddleware.IsValidName(name));
    }

    [Fact]
    public void Resolve_LongMachineName_TruncatesToMaximumKeepingProcessId()
    {
        var name = InstanceHeaderMiddleware.Resolve(null, new string('m', 200), 123456);

        Assert.Equal(InstanceHeaderMiddleware.MaxNameLength, name.Length);
        Assert.EndsWith("-123456", name, StringComparison.Ordinal);
        Assert.True(InstanceHeaderMiddleware.IsValidName(name));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("gateway-0.eu_west", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("colon:no", false)]
    public void IsValidName_Characters(string? name, bool valid)
        => Assert.Equal(valid, InstanceHeaderMiddleware.IsValidName(name));

    [Fact]
    public void IsValidName_LengthBound_IsSixtyFour()
    {
        Assert.True(InstanceHeaderMiddleware.IsValidName(new string('a', 64)));
        Assert.False(InstanceHeaderMiddleware.IsValidName(new string('a', 65)));
    }
}
