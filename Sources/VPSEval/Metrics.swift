public enum VPSEvalPlaceholder {}
