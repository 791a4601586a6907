namespace LlmRouter.Chat;

/// <summary>A request the gateway refuses with an OpenAI-style 4xx error naming the offending parameter.</summary>
internal sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string message, string? param, string? code = null, int statusCode = 400)
        : base(message)
    {
        Param = param;
        Code = code;
        StatusCode = statusCode;
    }

    public string? Param { get; }

    public string? Code { get; }

    public int StatusCode { get; }
}
