/// The Ragtime release this build reports.
public enum RagtimeVersion {
    public static let string = "0.1.0"
}
