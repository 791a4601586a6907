using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmRouter.Providers;

/// <summary>
/// Writer options for every JSON body the gateway produces. The default encoder escapes <c>"</c> as <c>\u0022</c>,
/// HTML-sensitive characters and all non-ASCII text, which bloats tool-call arguments and non-English content about
/// threefold; the relaxed encoder escapes only what JSON requires. These bodies are never embedded in HTML.
/// </summary>
internal static class JsonOutput
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Same encoding without structural validation, for fixed-shape hot-path writers whose output tests pin down.</summary>
    public static readonly JsonWriterOptions Unvalidated = Options with { SkipValidation = true };

    /// <summary>Same encoding, indented, for bodies people read (the dry-run endpoint).</summary>
    public static readonly JsonWriterOptions Indented = Options with { Indented = true };
}
