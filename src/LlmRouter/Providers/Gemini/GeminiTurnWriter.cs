using System.Text.Json;

namespace LlmRouter.Providers.Gemini;

/// <summary>
/// Writes Gemini <c>contents</c> turns part by part, opening a turn only when a part is actually written and
/// continuing the open turn while the role stays the same, so same-role messages merge and no turn is empty.
/// </summary>
internal sealed class GeminiTurnWriter
{
    public const string User = "user";
    public const string Model = "model";

    private readonly Utf8JsonWriter _json;
    private string? _openRole;

    public GeminiTurnWriter(Utf8JsonWriter json)
    {
        _json = json;
    }

    public int TurnCount { get; private set; }

    /// <summary>Starts a part object in a turn of <paramref name="role"/>; the caller writes its fields then calls <see cref="EndPart"/>.</summary>
    public Utf8JsonWriter BeginPart(string role)
    {
        if (_openRole != role)
        {
            Close();
            _json.WriteStartObject();
            _json.WriteString("role"u8, role);
            _json.WritePropertyName("parts"u8);
            _json.WriteStartArray();
            _openRole = role;
            TurnCount++;
        }

        _json.WriteStartObject();
        return _json;
    }

    public void EndPart() => _json.WriteEndObject();

    public void WriteText(string role, string text)
    {
        // Gemini rejects empty text parts.
        if (text.Length == 0)
        {
            return;
        }

        BeginPart(role).WriteString("text"u8, text);
        EndPart();
    }

    /// <summary>Closes the open turn, if any.</summary>
    public void Close()
    {
        if (_openRole is null)
        {
            return;
        }

        _json.WriteEndArray();
        _json.WriteEndObject();
        _openRole = null;
    }
}
