namespace PhalaWorker.Client;

/// <summary>How a job's model reaches the node (<see cref="JobSpec.ModelTransfer"/>).</summary>
public enum ModelTransfer
{
    /// <summary>Uploaded once per node with UploadModel, then named by its content address in each job.</summary>
    Reference = 0,

    /// <summary>Carried inside each job envelope.</summary>
    Inline = 1,
}
