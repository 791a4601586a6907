using System.Text.Json;
using LlmRouter.Protocols.Anthropic;

namespace LlmRouter.Tests.Protocols.Anthropic;

public sealed class AnthropicErrorWriterTests
{
    [Theory]
    [InlineData(400, 400, "invalid_request_error")]
    [InlineData(405, 405, "invalid_request_error")]
    [InlineData(401, 401, "authentication_error")]
    [InlineData(402, 402, "billing_error")]
    [InlineData(403, 403, "permission_error")]
    [InlineData(404, 404, "not_found_error")]
    [InlineData(413, 413, "request_too_large")]
    [InlineData(429, 429, "rate_limit_error")]
    [InlineData(500, 500, "api_error")]
    [InlineData(502, 502, "api_error")]
    [InlineData(503, 529, "overloaded_error")]
    [InlineData(529, 529, "overloaded_error")]
    [InlineData(504, 504, "timeout_error")]
    public void Map_GatewayStatus_GivesAnthropicStatusAndType(int gateway, int status, string type)
        => Assert.Equal((status, type), AnthropicErrorWriter.Map(gateway));

    [Fact]
    public void ToResponse_WritesAnthropicErrorShape()
    {
        var (status, body) = AnthropicErrorWriter.ToResponse(404, "The model `x` does not exist.");

        Assert.Equal(404, status);
        using var document = JsonDocument.Parse(body);
        Assert.Equal("error", document.RootElement.GetProperty("type").GetString());
        Assert.Equal("not_found_error", document.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("The model `x` does not exist.", document.RootElement.GetProperty("error").GetProperty("message").GetString());
    }
}
