public enum VPSSynthPlaceholder {}
