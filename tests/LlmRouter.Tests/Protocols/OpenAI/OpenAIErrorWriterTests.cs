using System.Text;
using LlmRouter.Protocols.OpenAI;
using LlmRouter.Providers;

namespace LlmRouter.Tests.Protocols.OpenAI;

public sealed class OpenAIErrorWriterTests
{
    [Fact]
    public void ToBytes_AllFields_WritesOpenAIErrorObject()
    {
        var body = OpenAIErrorWriter.ToBytes("Bad value", "invalid_request_error", "messages", "invalid_value");

        Assert.Equal("""{"error":{"message":"Bad value","type":"invalid_request_error","param":"messages","code":"invalid_value"}}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void ToBytes_QuotesHtmlCharactersAndNonAscii_AreWrittenUnescaped()
    {
        var body = OpenAIErrorWriter.ToBytes(new UpstreamError(400, "'max_tokens' must be <= 8192 for \"modèle\" 日本", "invalid_request_error", null));

        Assert.Equal("""{"error":{"message":"'max_tokens' must be <= 8192 for \"modèle\" 日本","type":"invalid_request_error","param":null,"code":null}}""", Encoding.UTF8.GetString(body));
    }
}
