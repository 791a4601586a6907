using LlmRouter.Hosting;

namespace LlmRouter.Configuration;

/// <summary>The <c>LlmRouter</c> configuration section: deployments, routes and gateway-wide settings.</summary>
public sealed class LlmRouterOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "LlmRouter";

    /// <summary>Largest accepted request body in bytes; larger bodies get 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Upstream deployments keyed by their id (the id is also a model name clients may send).</summary>
    public Dictionary<string, DeploymentOptions> Deployments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Routes keyed by the model name clients send.</summary>
    public Dictionary<string, RouteOptions> Routes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Classifier used by the contextual policy.</summary>
    public ClassifierOptions Classifier { get; set; } = new();

    /// <summary>The per-deployment circuit breaker.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>How long in-flight streams may run on after shutdown begins before they end with an error event, in seconds.</summary>
    public double ShutdownDrainSeconds { get; set; } = 30;

    /// <summary>The admin endpoints and where their key comes from.</summary>
    public AdminOptions Admin { get; set; } = new();

    /// <summary>Bounds on buffered request bytes, upstream bodies and events, and upstream-chosen waits.</summary>
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>Send <c>X-Forwarded-For/-Proto/-Host</c> to providers (off: client addresses stay private).</summary>
    public bool ForwardClientAddress { get; set; }

    /// <summary>
    /// This replica's name in the <c>x-llmrouter-instance</c> response header: 1–64 characters of <c>[A-Za-z0-9._-]</c>.
    /// Empty: the machine name and process id (a pod's name in Kubernetes). Read once at start.
    /// </summary>
    public string? InstanceName { get; set; }

    /// <summary>Fleet-wide state (limits, budgets, runtime keys, cooldowns) in Redis.</summary>
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Gateway keys, teams and their limits.</summary>
    public AuthOptions Auth { get; set; } = new();
}
